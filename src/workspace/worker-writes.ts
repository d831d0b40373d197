import { Worker } from 'node:worker_threads'

/**
 * New files written by a worker thread while the main thread goes on: a write phase's staged contents are written
 * while the upgrade is still being validated, and creating a file costs the kernel far more than writing its bytes
 * (about a millisecond each on some virtual disks, 700 files for a fleet of 100 clusters). Only into the run's
 * scratch directory: nothing reaches the workspace before validation has passed. Each write creates its file
 * (`wx`, as `nodeFiles.writeFile`) and answers with its own promise, rejected with the error `fs` gave.
 */
export class WorkerWrites {
  private worker: Worker | undefined
  private next = 0
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()

  /** Contents already sent, by key, and how many writes of each are still to come. */
  private readonly sent = new Map<string, number>()

  /**
   * Writes `data()` to `file`. A content several files get (a fleet's identical install) has a `key` and the number
   * of files that get it (`uses`): it is encoded and sent once, and the thread keeps it for the other writes.
   */
  write(
    file: string,
    data: () => Uint8Array,
    mode?: number,
    shared?: { key: string; uses: number }
  ): Promise<void> {
    const worker = (this.worker ??= this.start())
    const id = this.next++
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    const left = shared ? this.sent.get(shared.key) : undefined
    if (shared && left !== undefined) {
      if (left <= 1) this.sent.delete(shared.key)
      else this.sent.set(shared.key, left - 1)
      worker.postMessage({ id, file, mode, key: shared.key, last: left <= 1 })
      return done
    }
    const bytes = data()
    if (shared && shared.uses > 1) this.sent.set(shared.key, shared.uses - 1)
    // A buffer that owns its memory moves to the worker; a slice of Node's shared pool (small texts) is copied.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    const key = shared && shared.uses > 1 ? shared.key : undefined
    worker.postMessage({ id, file, data: bytes, mode, key }, own ? [bytes.buffer as ArrayBuffer] : [])
    return done
  }

  /** Ends the thread once every write has answered. */
  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (worker) await worker.terminate()
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true })
    // The writes' promises keep the run waiting where it must; an idle thread must not keep the process alive.
    worker.unref()
    worker.on('message', (m: { id: number; error?: { message: string; code?: string } }) => {
      const p = this.pending.get(m.id)
      if (!p) return
      this.pending.delete(m.id)
      if (m.error) p.reject(Object.assign(new Error(m.error.message), { code: m.error.code }))
      else p.resolve()
    })
    const failAll = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e)
      this.pending.clear()
    }
    worker.on('error', failAll)
    worker.on('exit', () => failAll(new Error('the writing thread stopped')))
    return worker
  }
}

// CommonJS, as an evaluated worker runs it.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const { writeFileSync } = require('node:fs')
const kept = new Map()
parentPort.on('message', ({ id, file, data, mode, key, last }) => {
  if (key !== undefined) {
    if (data) kept.set(key, data)
    else data = kept.get(key)
    if (last) kept.delete(key)
  }
  try {
    writeFileSync(file, data, { flag: 'wx', mode })
    parentPort.postMessage({ id })
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code } })
  }
})
`
