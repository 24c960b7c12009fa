/** Optimizers (PyTorch update rules) and learning-rate schedules. */
export { Optimizer, type OptimizerOptions, type ParamGroup, type ResolvedGroup, type ParamsOrGroups } from './optimizer.js';
export { SGD, type SgdOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { RMSprop, type RmspropOptions } from './rmsprop.js';
export { LRScheduler, StepLR, CosineAnnealingLR } from './schedulers.js';
export { clipGradNorm } from './clip.js';
