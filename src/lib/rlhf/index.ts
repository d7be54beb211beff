// The RLHF program (session.ts) and its building blocks, shared by the Node CLI and the worker.
export * from './data';
export * from './collect';
export * from './settings';
export * from './presets';
export * from './session';
export * from './summary';
export * from './pipeline';
export * from './score';
export * from './gold-reward';
export * from './best-of-n';
