import { processSuite } from './suite.js';

processSuite('pushdown');
