/** Layer 2 classic ML (`ml` from lepton-ts): estimators with sklearn's shape, preprocessing, splits, metrics. */
export * from './matrix.js';
export { bruteKNeighbors, matrixSource, rowSqNorms, l2Normalize, METRICS, type Metric, type Neighbors, type BlockSource, type SearchOptions } from './distance.js';
export { KDTree } from './kd-tree.js';
export { KNNClassifier, KNNRegressor, type KNNOptions } from './knn.js';
export { KMeans, type KMeansOptions, type KMeansAlgorithm } from './kmeans.js';
export { MiniBatchKMeans, type MiniBatchKMeansOptions } from './minibatch-kmeans.js';
export { DecisionTreeClassifier, DecisionTreeRegressor, type TreeOptions } from './tree/decision-tree.js';
export { exportText, type ExportTextOptions } from './tree/export-text.js';
export type { TreeArrays, Criterion } from './tree/cart.js';
export { PCA, type PCAOptions, type PCASolver } from './pca.js';
export { LinearDiscriminantAnalysis, type LDAOptions } from './lda.js';
export { symmetricEigen, type Eigen } from './eigen.js';
export { StandardScaler, MinMaxScaler } from './preprocessing.js';
export { trainTestSplit, splitIndices, kFold, type SplitOptions, type Split } from './model-selection.js';
export * as metrics from './metrics/index.js';
export { permutationImportance, rankFeatures, SCORING_NAMES, type PermutationImportance, type PermutationImportanceOptions, type Scorer, type ScoringName } from './inspection.js';
