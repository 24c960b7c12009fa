// Runs the shared engine conformance suite against every engine.
import { getEngine } from './index.js';
import { runEngineConformance } from './engine.conformance.js';

runEngineConformance(await getEngine('ort'));
runEngineConformance(await getEngine('native'));
