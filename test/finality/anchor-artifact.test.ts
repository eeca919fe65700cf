import { readFile } from 'node:fs/promises'
import { getAbiItem, toEventSignature } from 'viem'
import { beforeAll, describe, expect, it } from 'vitest'
import { ANCHOR_ARTIFACT_PATH, type CompiledAnchor, compileAnchor, renderAnchorArtifact } from '../../scripts/anchor-compiler.js'
import * as artifact from '../../src/finality/anchor-artifact.js'

const STALE = 'src/finality/anchor-artifact.ts is stale: run `npm run compile:contracts` and commit it with contracts/Anchor.sol'

/** Recompiles contracts/Anchor.sol with the pinned solc-js and compares with the committed artifact. */
describe('the committed anchor artifact', () => {
  let compiled: CompiledAnchor

  beforeAll(async () => {
    compiled = await compileAnchor()
  })

  it('was compiled from the current contracts/Anchor.sol by the pinned solc', () => {
    expect(artifact.ANCHOR_SOURCE_KECCAK256, STALE).toBe(compiled.sourceKeccak256)
    expect(artifact.ANCHOR_SOLC_VERSION, STALE).toBe(compiled.solcVersion)
  })

  it('holds the bytecode and ABI solc-js gives today', () => {
    expect(artifact.ANCHOR_BYTECODE, STALE).toBe(compiled.bytecode)
    expect(artifact.ANCHOR_ABI, STALE).toEqual(compiled.abi)
  })

  it('is exactly the file the compile script writes', async () => {
    expect(await readFile(ANCHOR_ARTIFACT_PATH, 'utf8'), STALE).toBe(renderAnchorArtifact(compiled))
  })

  it('declares the Anchored event the finality tracker reads', () => {
    const event = getAbiItem({ abi: artifact.ANCHOR_ABI, name: 'Anchored' })
    expect(toEventSignature(event)).toBe('Anchored(uint256,bytes32,bytes32)')
    expect(event.inputs.map((input) => [input.name, input.indexed])).toEqual([
      ['l2Block', true],
      ['blockHash', false],
      ['stateRoot', false],
    ])
  })
})
