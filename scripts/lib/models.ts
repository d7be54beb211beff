// Loading and saving whole models from Node: a checkpoint file becomes a GPT of the checkpoint's
// own config, and a GPT becomes a checkpoint file. Shared by every CLI.
import { GPT, type GPTConfig } from '../../src/lib/model';
import { applyCheckpoint, parseCheckpoint, serializeCheckpoint, type CheckpointMeta, type ParsedCheckpoint } from '../../src/lib/io/checkpoint';
import { loadCheckpointFile, saveCheckpointFile } from '../../src/lib/io/store-node';

export interface LoadedModel {
  model: GPT;
  meta: CheckpointMeta;
  parsed: ParsedCheckpoint;
}

/** Reads a checkpoint file into a new GPT; throws CheckpointError with a clear message. */
export async function loadModelFile(path: string): Promise<LoadedModel> {
  const parsed = parseCheckpoint(await loadCheckpointFile(path));
  const config: GPTConfig = {
    vocabSize: parsed.config.vocabSize,
    contextLength: parsed.config.contextLength,
    nLayer: parsed.config.nLayer,
    nHead: parsed.config.nHead,
    dModel: parsed.config.dModel,
  };
  const model = GPT.create(config, 0);
  try {
    applyCheckpoint(model, parsed);
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, meta: parsed.meta, parsed };
}

export async function saveModelFile(path: string, model: GPT, meta: CheckpointMeta): Promise<void> {
  await saveCheckpointFile(path, await serializeCheckpoint(model, { createdAt: new Date().toISOString(), ...meta }));
}
