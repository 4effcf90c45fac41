import { phaseConformance } from './conformance.js';

phaseConformance('sequential');
