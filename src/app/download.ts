// Saving bytes as a file from the page (the one DOM helper the app layer needs).
export function downloadBytes(bytes: Uint8Array, fileName: string, type = 'application/octet-stream'): void {
  const blob = new Blob([bytes as BlobPart], { type });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // Give the browser time to start the download before the URL goes away.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves text (e.g. JSON Lines) as a file. */
export function downloadText(text: string, fileName: string, type = 'application/x-ndjson'): void {
  downloadBytes(new TextEncoder().encode(text), fileName, type);
}
