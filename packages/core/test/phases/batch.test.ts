import { phaseConformance } from './conformance.js';

phaseConformance('batch');
