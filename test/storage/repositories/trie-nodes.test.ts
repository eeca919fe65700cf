import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type Database, openDatabase } from '../../../src/storage/db.js'
import { TrieNodeRepository } from '../../../src/storage/repositories/trie-nodes.js'
import { tempDir } from '../../helpers/node.js'

/**
 * Nodes wait in memory until a persisted checkpoint drains the ones its state reaches into a
 * batch. Until that batch is on disk (markWritten), every drained node must stay readable, the
 * dropped ones too: the state provider still reads that interval's intermediate states from
 * here, and a missing node would read as an absent account.
 */
describe('TrieNodeRepository', () => {
  const dir = tempDir('hindsight-trie-nodes-')
  let db: Database

  beforeEach(async () => {
    db = await openDatabase(dir.path)
  })

  afterEach(async () => {
    await db.close()
    dir.remove()
  })

  it('keeps drained nodes, kept and dropped, readable until the batch is written; then only the kept ones are there', async () => {
    const nodes = new TrieNodeRepository(db)
    await nodes.put('aa', Uint8Array.of(1))
    await nodes.put('bb', Uint8Array.of(2))
    const ops = nodes.drainOps(['aa'])
    expect(ops).toHaveLength(1)
    expect(await nodes.get('aa')).toEqual(Uint8Array.of(1))
    expect(await nodes.get('bb')).toEqual(Uint8Array.of(2))
    expect(nodes.pendingValue('bb')).toBeUndefined()

    await db.batch(ops)
    nodes.markWritten()
    expect([...((await nodes.get('aa')) ?? [])]).toEqual([1])
    expect(await nodes.get('bb')).toBeUndefined()
  })
})
