/** Evaluation metrics (`ml.metrics`), scikit-learn compatible in names, defaults and edge cases. */
export * from './classification.js';
export * from './ranking.js';
export * from './regression.js';
