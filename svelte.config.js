// Svelte compiler settings for Vite, svelte-check and the component tests. Svelte 5 compiles
// TypeScript in <script lang="ts"> itself, so no preprocessor is needed; every component in this
// repo uses runes, which Svelte detects per file.
/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {};
