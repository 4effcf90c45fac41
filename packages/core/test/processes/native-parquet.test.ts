import { processSuite } from './suite.js';

processSuite('native-parquet');
