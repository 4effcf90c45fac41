import { phaseConformance } from './conformance.js';

phaseConformance('native-parquet');
