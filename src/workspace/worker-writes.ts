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

  write(file: string, data: Uint8Array, mode?: number): Promise<void> {
    const worker = (this.worker ??= this.start())
    const id = this.next++
    // A buffer that owns its memory moves to the worker; a slice of Node's shared pool (small texts) is copied.
    const own = data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
    const done = new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject }))
    worker.postMessage({ id, file, data, mode }, own ? [data.buffer as ArrayBuffer] : [])
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
parentPort.on('message', ({ id, file, data, mode }) => {
  try {
    writeFileSync(file, data, { flag: 'wx', mode })
    parentPort.postMessage({ id })
  } catch (e) {
    parentPort.postMessage({ id, error: { message: String(e && e.message), code: e && e.code } })
  }
})
`
