#!/usr/bin/env node
// Installs what `npm start` / `npm test` need and is missing, on a fresh Debian machine:
// node packages (npm ci), and for tests Debian's chromium and the Python packages of training/.
// Uses only node built-ins, because it runs before node_modules exists.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const mode = process.argv[2] ?? 'app';
const run = (cmd, env = {}) => {
  console.log(`[ensure] ${cmd}`);
  execSync(cmd, { stdio: 'inherit', env: { ...process.env, ...env } });
};
const isRoot = process.getuid?.() === 0;

function ensureNodeModules() {
  const stamp = 'node_modules/.package-lock.json';
  const stale = !existsSync(stamp) || statSync('package-lock.json').mtimeMs > statSync(stamp).mtimeMs;
  // onnxruntime-node must not download its binaries at install (no network but npm here).
  if (stale) run('npm ci --no-audit --no-fund', { ONNXRUNTIME_NODE_INSTALL: 'skip' });
}

let aptUpdated = false;
function apt(packages) {
  if (!isRoot) {
    console.error(`[ensure] missing Debian packages: ${packages.join(' ')}. Install them (as root: apt-get install -y ${packages.join(' ')}) and rerun.`);
    process.exit(1);
  }
  if (!aptUpdated) run('apt-get update -qq');
  aptUpdated = true;
  run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')}`);
}

function ensureChromium() {
  if (!existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium')) apt(['chromium']);
}

/** Debian python3-* packages for training/ and its tests, checked by importing each module. */
const PYTHON = { numpy: 'python3-numpy', scipy: 'python3-scipy', nibabel: 'python3-nibabel', pytest: 'python3-pytest', torch: 'python3-torch', onnx: 'python3-onnx' };
function ensurePython() {
  const missing = Object.entries(PYTHON)
    .filter(([mod]) => spawnSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' }).status !== 0)
    .map(([, pkg]) => pkg);
  if (!existsSync('/usr/bin/python3')) missing.unshift('python3');
  if (missing.length) apt(missing);
}

/** dcm2niix for DICOM folders given to the command-line tools (the browser uses its wasm build). */
function ensureDcm2niix() {
  if (!existsSync('/usr/bin/dcm2niix')) apt(['dcm2niix']);
}

ensureNodeModules();
if (mode === 'cli') ensureDcm2niix();
if (mode === 'test') {
  ensureDcm2niix();
  ensureChromium();
  ensurePython();
}
