// Building blocks of the RLHF loop shared by the Node pipeline and the browser worker.
export * from './data';
export * from './collect';
export * from './presets';
export * from './pipeline';
export * from './score';
export * from './gold-reward';
