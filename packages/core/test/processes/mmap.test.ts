import { processSuite } from './suite.js';

processSuite('mmap');
