/** Worker entry of the threads transport's conformance run: one rank of one case. */
import { conformanceCase } from './process-group.conformance.js';
import { runThreadRank } from './threads-launch.js';

runThreadRank((pg, data: { name: string }) => conformanceCase(data.name).run(pg));
