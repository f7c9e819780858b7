import { build } from 'vite';
import { gzipSync } from 'node:zlib';
for (const e of process.argv.slice(2)) {
const out: any = await build({ configFile: false, root: process.cwd(), logLevel: 'silent', build: { write: false, minify: true, target: 'es2022',
  lib: { entry: { x: e }, formats: ['es'] }, rollupOptions: { external: (id: string) => /^(dexie|rxjs)(\/|$)/.test(id) } } });
const chunks = (Array.isArray(out) ? out : [out]).flatMap((o: any) => o.output).filter((c: any) => c.type === 'chunk');
console.log(e, chunks.reduce((s: number, c: any) => s + gzipSync(c.code, { level: 9 }).length, 0), chunks.reduce((s: number, c: any) => s + c.code.length, 0));
}
