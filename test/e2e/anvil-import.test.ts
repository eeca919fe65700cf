import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bytesToHex, equalsBytes } from '@ethereumjs/util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ANVIL_CHAIN_PATH } from '../../fixtures/anvil/paths.js'
import { openDatadir } from '../../src/datadir.js'
import { type AnvilChain, startAnvilWithChain } from '../helpers/anvil.js'
import { runCli } from '../helpers/chain.js'
import { rpcCall, silentLog } from '../helpers/node.js'

/**
 * A chain mined live by anvil 1.7.1 (fixtures/anvil/generate-chain.ts: every transaction type,
 * ghost accounts, zero leaves, the 7702 refund) imported by the CLI: with --compat anvil every
 * block must verify up to anvil's own head; without it the import must stop at block 1, whose
 * parent is anvil's empty-root genesis, and say which --compat the chain needs.
 */
describe('hindsight import of a live anvil chain', () => {
  let live: AnvilChain

  beforeAll(async () => {
    live = await startAnvilWithChain()
  })

  afterAll(async () => {
    await live?.stop()
  })

  const importArgs = (datadir: string, extra: string[] = []) => [
    'import',
    '--genesis',
    live.genesisPath,
    '--datadir',
    join(live.dir, datadir),
    ...extra,
    live.chainPath,
  ]

  it('verifies every block with --compat anvil and ends on anvil head', async () => {
    const anvilHead = await rpcCall<{ number: string; hash: string }>(live.anvil.rpcUrl, 'eth_getBlockByNumber', ['latest', false])
    expect(Number(anvilHead.number)).toBe(live.chain.blocks)

    const result = await runCli(importArgs('compat', ['--compat', 'anvil']))

    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.trim()).toBe(`head ${live.chain.blocks} ${anvilHead.hash}`)
    expect(result.stderr).toContain('COMPATIBILITY MODE ANVIL')
  })

  it('refuses the chain without --compat at block 1, naming the parentHash and the mode it needs', async () => {
    const result = await runCli(importArgs('canonical'))

    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/error \[GENESIS_NEEDS_COMPAT\]: block 1: parentHash 0x[0-9a-f]{64} is not this datadir's genesis/)
    expect(result.stderr).toContain(`parentHash ${live.chain.genesisHash}`)
    expect(result.stderr).toContain('import it into a new datadir with --compat anvil')
    const datadir = await openDatadir({ path: join(live.dir, 'canonical') }, { log: silentLog })
    try {
      expect((await datadir.head()).number).toBe(0n)
      expect(equalsBytes(datadir.genesisHash, await datadir.store.canonical.get(0n) ?? new Uint8Array())).toBe(true)
      expect(bytesToHex(datadir.genesisHash)).not.toBe(live.chain.genesisHash)
    } finally {
      await datadir.close()
    }
  })

  it('regenerates the committed fixture byte for byte', () => {
    // fixtures/anvil/anvil-chain.rlp comes from the same script and anvil; a difference means one of
    // them changed: rerun fixtures/scripts/generate-anvil-chain.ts and commit the result.
    expect(bytesToHex(live.chain.chainRlp) === bytesToHex(readFileSync(ANVIL_CHAIN_PATH))).toBe(true)
  })
})
