import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allMethods } from '../../rpc/methods/index.js'
import {
  conformanceAvailable,
  conformanceMissingMessage,
  loadConformanceCases,
} from '../helpers/conformance.js'
import { type ConformanceNode, startConformanceNode } from '../helpers/conformance-node.js'

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
    let node: ConformanceNode

    // The chain was imported (and so verified block by block) once by test/global-setup.ts.
    beforeAll(async () => {
      node = await startConformanceNode({ finalized: 'head' })
    })

    afterAll(async () => {
      await node?.close()
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
          const actual = (await response.json()) as { error?: { code: number } }
          const expected = JSON.parse(exchange.response)
          if (testCase.specOnly) {
            expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort())
            if ('error' in expected) expect(actual.error?.code).toBe(expected.error.code)
          } else {
            expect(actual).toEqual(expected)
          }
        }
      })
    }
  })
}
