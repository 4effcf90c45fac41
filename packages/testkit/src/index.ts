/**
 * @armillaria/testkit — what tests and the harness run beside the store (private).
 */
export { ensureVenv, venvPython, venvBin, VENV_DIR, REQUIREMENTS } from './python-env.js';
export { startSeaweed, type SeaweedServer, type SeaweedOptions } from './seaweed.js';
