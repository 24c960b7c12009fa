/** Worker-thread entry of `lep train --workers N`: one rank of the threads transport (see train-parallel.ts). */
import { runThreadRank } from '../parallel/index.js';
import { workerRank } from './train-parallel.js';

runThreadRank(workerRank);
