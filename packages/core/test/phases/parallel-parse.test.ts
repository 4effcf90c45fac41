import { phaseConformance } from './conformance.js';

phaseConformance('parallel-parse');
