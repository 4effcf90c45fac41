import { processSuite } from './suite.js';

processSuite('parallel-parse');
