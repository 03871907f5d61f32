/**
 * Builds the web console (console/src) into console/dist: content-hashed JS and CSS bundles and an
 * index.html naming them. Run by `npm run build:console` and by npm's `prepare` (npm install / npm ci).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CONSOLE_SOURCE = path.join(root, 'console');
export const CONSOLE_DIST = path.join(CONSOLE_SOURCE, 'dist');

export type BuildConsoleParameters = { outdir?: string; minify?: boolean };
export type BuildConsoleReturnType = { outdir: string; files: string[] };

/** Bundles the console with esbuild and writes index.html; replaces what was in `outdir`. */
export async function buildConsole({ outdir = CONSOLE_DIST, minify = true }: BuildConsoleParameters = {}): Promise<BuildConsoleReturnType> {
  const esbuild = await import('esbuild');
  const staging = `${outdir}.tmp-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  const result = await esbuild.build({
    entryPoints: { app: path.join(CONSOLE_SOURCE, 'src/main.tsx'), style: path.join(CONSOLE_SOURCE, 'src/style.css') },
    outdir: staging,
    entryNames: '[name]-[hash]',
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify,
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const js = outputs.find((file) => file.startsWith('app-') && file.endsWith('.js'));
  const css = outputs.find((file) => file.startsWith('style-') && file.endsWith('.css'));
  if (!js || !css) throw new Error(`console build produced ${outputs.join(', ')}`);
  const html = fs.readFileSync(path.join(CONSOLE_SOURCE, 'index.html'), 'utf8').replace('%JS%', js).replace('%CSS%', css);
  fs.writeFileSync(path.join(staging, 'index.html'), html);
  // Swap in whole, so a running service never reads a half-written build.
  fs.rmSync(outdir, { recursive: true, force: true });
  fs.renameSync(staging, outdir);
  return { outdir, files: ['index.html', js, css] };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await import('esbuild');
  } catch {
    // `npm install --omit=dev` has no bundler: the service then says the console is not built.
    console.warn('build-console: esbuild is not installed (dev dependency); the web console is not built');
    process.exit(0);
  }
  const { files } = await buildConsole();
  console.log(`build-console: console/dist (${files.join(', ')})`);
}
