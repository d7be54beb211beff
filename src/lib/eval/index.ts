export * from './gold';
export * from './sampling';
export * from './report';
export * from './rm-accuracy';
export * from './best-of-n';
