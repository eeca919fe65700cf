import { ClassicLevel } from 'classic-level'
import { DatadirError } from '../errors.js'

export type Database = ClassicLevel<Uint8Array, Uint8Array>
export type BatchOp = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array }

/** Opens (creating if needed) the LevelDB store in `path`. Fails with LOCKED if another process holds it. */
export async function openDatabase(path: string): Promise<Database> {
  const db = new ClassicLevel<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') throw new DatadirError({ code: 'LOCKED', datadir: path })
    throw err
  }
  return db
}

/** Reads a key, returning null when it is absent. */
export async function getOrNull(db: Database, key: Uint8Array): Promise<Uint8Array | null> {
  const value = await db.get(key)
  return value ?? null
}
