import { RLP } from '@ethereumjs/rlp'
import { KECCAK256_NULL, KECCAK256_RLP, bytesToUnprefixedHex, equalsBytes } from '@ethereumjs/util'

type Node = Uint8Array | Node[]

/** Code lives in the node database under 'c' ++ code hash (@ethereumjs/statemanager). */
export const CODE_KEY_PREFIX = '63'

export interface TrieWalkVisitor {
  /**
   * Called with the node-database key (hex) of each hashed node reached. Returns the node's bytes
   * to descend into it, or undefined to skip it and everything below it.
   */
  enter(key: string): Promise<Uint8Array | undefined>
  /** Called with the node-database key of each contract code an account names. */
  code(key: string): void
}

/**
 * Walks the state trie at `root`, and from each account leaf its storage trie and code, as far as
 * the visitor lets it. Inline nodes (under 32 bytes) are walked within their parent.
 */
export async function walkStateTrie(root: Uint8Array, visitor: TrieWalkVisitor): Promise<void> {
  await walk(root, true, visitor)
}

async function walk(root: Uint8Array, accounts: boolean, visitor: TrieWalkVisitor): Promise<void> {
  if (equalsBytes(root, KECCAK256_RLP)) return
  const stack: Node[] = [root]
  while (stack.length > 0) {
    const ref = stack.pop() as Node
    let node: Node
    if (ref instanceof Uint8Array) {
      if (ref.length !== 32) continue // an empty child slot
      const bytes = await visitor.enter(bytesToUnprefixedHex(ref))
      if (bytes === undefined) continue
      node = RLP.decode(bytes) as Node
    } else {
      node = ref
    }
    if (!Array.isArray(node)) continue
    if (node.length === 17) {
      for (let i = 0; i < 16; i++) stack.push(node[i])
    } else if (node.length === 2) {
      const path = node[0] as Uint8Array
      const isLeaf = path[0] >> 4 >= 2
      if (!isLeaf) stack.push(node[1])
      else if (accounts) await walkAccount(node[1] as Uint8Array, visitor)
    }
  }
}

async function walkAccount(encoded: Uint8Array, visitor: TrieWalkVisitor): Promise<void> {
  const [, , storageRoot, codeHash] = RLP.decode(encoded) as Uint8Array[]
  if (storageRoot !== undefined && storageRoot.length === 32) await walk(storageRoot, false, visitor)
  if (codeHash !== undefined && codeHash.length === 32 && !equalsBytes(codeHash, KECCAK256_NULL)) {
    visitor.code(CODE_KEY_PREFIX + bytesToUnprefixedHex(codeHash))
  }
}
