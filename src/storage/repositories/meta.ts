import type { BatchOp, Database } from '../db.js'
import { Prefix, key } from '../keys.js'

/** Named single values: head pointer, finalized/safe pointers, datadir settings. */
export type MetaName = 'head' | 'finalized' | 'safe' | 'genesis' | 'settings' | 'finalityScan' | 'finalityAlarm'

const encoder = new TextEncoder()

export class MetaRepository {
  constructor(private readonly db: Database) {}

  async get(name: MetaName): Promise<Uint8Array | null> {
    return (await this.db.get(key(Prefix.meta, encoder.encode(name)))) ?? null
  }

  putOp(name: MetaName, value: Uint8Array): BatchOp {
    return { type: 'put', key: key(Prefix.meta, encoder.encode(name)), value }
  }

  async getJSON<T>(name: MetaName): Promise<T | null> {
    const value = await this.get(name)
    return value === null ? null : (JSON.parse(new TextDecoder().decode(value)) as T)
  }

  delOp(name: MetaName): BatchOp {
    return { type: 'del', key: key(Prefix.meta, encoder.encode(name)) }
  }

  putJSONOp(name: MetaName, value: unknown): BatchOp {
    return this.putOp(name, encoder.encode(JSON.stringify(value)))
  }
}
