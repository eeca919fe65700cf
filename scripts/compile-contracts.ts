#!/usr/bin/env node
/**
 * Compiles contracts/Anchor.sol with solc-js (pinned in devDependencies, settings pinned in
 * anchor-compiler.ts) and writes the committed artifact src/finality/anchor-artifact.ts, so the
 * node and its builds never need a compiler:
 *
 *   npm run compile:contracts
 */
import { writeFile } from 'node:fs/promises'
import { relative } from 'node:path'
import { REPO_ROOT } from '../fixtures/anvil/paths.js'
import { ANCHOR_ARTIFACT_PATH, compileAnchor, renderAnchorArtifact } from './anchor-compiler.js'

const compiled = await compileAnchor()
await writeFile(ANCHOR_ARTIFACT_PATH, renderAnchorArtifact(compiled))
process.stdout.write(
  `wrote ${relative(REPO_ROOT, ANCHOR_ARTIFACT_PATH)}: solc ${compiled.solcVersion}, ${(compiled.bytecode.length - 2) / 2} bytes of creation code, source ${compiled.sourceKeccak256}\n`,
)
