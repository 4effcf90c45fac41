import { processSuite } from './suite.js';

processSuite('sequential');
