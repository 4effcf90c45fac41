import { phaseConformance } from './conformance.js';

phaseConformance('mmap');
