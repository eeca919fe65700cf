import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allMethods } from '../../rpc/methods/index.js'
import type { RunningNode } from '../../src/main.js'
import {
  CONFORMANCE_DIR,
  conformanceAvailable,
  conformanceMissingMessage,
  loadConformanceCases,
} from '../helpers/conformance.js'
import { importChain, startTestNode, tempDir } from '../helpers/node.js'

/**
 * Replays the execution-apis rpc-compat cases against the imported conformance chain, served
 * over real HTTP. Cases of methods the node does not serve yet are listed as skipped.
 */
if (!conformanceAvailable()) {
  describe('rpc-compat conformance', () => {
    it('needs the conformance suite', () => {
      throw new Error(conformanceMissingMessage())
    })
  })
} else {
  const cases = loadConformanceCases()
  describe('rpc-compat conformance', () => {
    const dir = tempDir()
    let node: RunningNode

    beforeAll(async () => {
      await importChain({
        datadir: dir.path,
        genesisPath: join(CONFORMANCE_DIR, 'genesis.json'),
        files: [join(CONFORMANCE_DIR, 'chain.rlp')],
        finalized: 'head',
      })
      node = await startTestNode(dir.path)
    })

    afterAll(async () => {
      await node?.close()
      dir.remove()
    })

    for (const testCase of cases) {
      const served = testCase.method in allMethods
      it.skipIf(!served)(`${testCase.method}/${testCase.name}`, async () => {
        for (const exchange of testCase.exchanges) {
          const response = await fetch(node.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: exchange.request,
          })
          const actual = await response.json()
          const expected = JSON.parse(exchange.response)
          if (testCase.specOnly) {
            expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
            if ('error' in expected) expect(actual.error.code).toBe(expected.error.code)
          } else {
            expect(actual).toEqual(expected)
          }
        }
      })
    }
  })
}
