import { processSuite } from './suite.js';

processSuite('batch');
