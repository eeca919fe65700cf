import { nodeInfoMethods } from './node-info.js'
import { stateMethods } from './state.js'
import type { MethodTable } from './types.js'

/** Every method the server answers, by family (one file each). */
export const allMethods: MethodTable = {
  ...nodeInfoMethods,
  ...stateMethods,
}
