// Writes what the published package owes the code it bundles, from esbuild's metafile of this
// build and the lockfile:
//   dist/THIRD_PARTY_NOTICES.md  each bundled package with its license and license text;
//   dist/sbom.cdx.json           a CycloneDX 1.5 SBOM of the same packages (versions, hashes and
//                                sources as package-lock.json pins them).
// Only packages that end up in dist/ are listed: devDependencies that are not bundled (vitest,
// tsup, typescript) are not shipped and owe nothing here.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.-].*)?$/i;

/** node_modules paths (as the lockfile keys them) of every package an input of the bundle lives in. */
export function bundledPackagePaths(metafile) {
  const paths = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    // `node_modules/a/node_modules/@s/b/x.js` belongs to `node_modules/a/node_modules/@s/b`.
    // Inputs are relative to the build's folder; a linked node_modules shows as ../x/node_modules.
    const m = input.match(/(node_modules\/(?:.*node_modules\/)?(?:@[^/]+\/)?[^/]+)\//);
    if (m) paths.add(m[1]);
  }
  return [...paths].sort();
}

function licenseText(dir) {
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).filter((f) => LICENSE_FILE.test(f)).sort()[0];
  return file ? readFileSync(join(dir, file), 'utf8').trim() : undefined;
}

function purl(name, version) {
  const [scope, bare] = name.startsWith('@') ? name.slice(1).split('/') : [undefined, name];
  return `pkg:npm/${scope ? `%40${scope}/` : ''}${bare}@${version}`;
}

function integrityHash(integrity) {
  // SRI "sha512-<base64>" -> CycloneDX {alg: "SHA-512", content: hex}
  const m = integrity?.match(/^sha(1|256|384|512)-(.+)$/);
  if (!m) return [];
  return [{ alg: m[1] === '1' ? 'SHA-1' : `SHA-${m[1]}`, content: Buffer.from(m[2], 'base64').toString('hex') }];
}

export function writeThirdParty({ root, distDir, metafilePath, projectName, projectVersion }) {
  const metafile = JSON.parse(readFileSync(metafilePath, 'utf8'));
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const packages = bundledPackagePaths(metafile).map((path) => {
    const locked = lock.packages[path];
    if (!locked) throw new Error(`${path} is bundled but not in package-lock.json; run npm install`);
    const manifest = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8'));
    const license = locked.license ?? manifest.license ?? 'UNKNOWN';
    return { path, name: manifest.name, version: locked.version, license, integrity: locked.integrity, resolved: locked.resolved, text: licenseText(join(root, path)) };
  });
  // The same package may be bundled from two folders at two versions: keep both, once each.
  const unique = [...new Map(packages.map((p) => [`${p.name}@${p.version}`, p])).values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));

  const notices = [
    `# Third-party notices for ${projectName} ${projectVersion}`,
    '',
    `${projectName} is distributed as one bundle. It contains code from the ${unique.length} packages below, each under its own license.`,
    '',
    ...unique.flatMap((p) => [
      `## ${p.name} ${p.version}`,
      '',
      `License: ${p.license}`,
      '',
      p.text ? ['```text', p.text, '```'].join('\n') : '(the package ships no license file; its package.json declares the license above)',
      '',
    ]),
  ].join('\n');
  writeFileSync(join(distDir, 'THIRD_PARTY_NOTICES.md'), notices);

  const sbom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    version: 1,
    metadata: {
      component: { type: 'application', 'bom-ref': purl(projectName, projectVersion), name: projectName, version: projectVersion, purl: purl(projectName, projectVersion) },
      properties: [{ name: 'source', value: 'package-lock.json, packages bundled into dist/ (esbuild metafile)' }],
    },
    components: unique.map((p) => ({
      type: 'library',
      'bom-ref': purl(p.name, p.version),
      name: p.name,
      version: p.version,
      purl: purl(p.name, p.version),
      licenses: [/^[A-Za-z0-9.+-]+$/.test(p.license) ? { license: { id: p.license } } : { expression: p.license }],
      hashes: integrityHash(p.integrity),
      ...(p.resolved ? { externalReferences: [{ type: 'distribution', url: p.resolved }] } : {}),
    })),
  };
  writeFileSync(join(distDir, 'sbom.cdx.json'), `${JSON.stringify(sbom, null, 2)}\n`);
  // The metafile is a build artefact, not something to ship (it lists local paths).
  rmSync(metafilePath, { force: true });
  return unique;
}
