import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface ProxiedRequest {
  /** `host:port` the client asked for (the CONNECT target, or the Host of a plain proxy request). */
  host: string
  method: string
  path: string
  /** The `Proxy-Authorization` the client sent, if any. */
  proxyAuthorization?: string
}

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`, for `HTTPS_PROXY` / `HTTP_PROXY`. */
  url: string
  /** Every request that passed through, in order (each request inside a tunnel counts, not just the tunnel). */
  requests: ProxiedRequest[]
  close(): Promise<void>
}

/**
 * An HTTP proxy on 127.0.0.1 for tests: it takes CONNECT tunnels and absolute-form requests, and sends every request
 * to 127.0.0.1 at the port the client named, whatever the host name. So a client can be pointed at
 * `http://releases.example.test:<port of a local server>`: a name that does not resolve, which only a request
 * through the proxy can reach. Tunnels are read as plain HTTP (the test servers speak HTTP), so each request inside
 * one is seen and counted.
 */
export async function startCountingProxy(): Promise<CountingProxy> {
  const requests: ProxiedRequest[] = []
  const tunnelAuth = new WeakMap<Socket, { host: string; auth?: string }>()
  const tunnels = new Set<Socket>()

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, host: string, auth?: string) => {
    const target = new URL(req.url?.startsWith('http') ? req.url : `http://${host}${req.url ?? '/'}`)
    requests.push({
      host: target.host,
      method: req.method ?? '',
      path: target.pathname + target.search,
      ...(auth ? { proxyAuthorization: auth } : {})
    })
    const headers = { ...req.headers }
    delete headers['proxy-authorization']
    delete headers['proxy-connection']
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: Number(target.port || 80),
        method: req.method,
        path: target.pathname + target.search,
        headers
      },
      answer => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      }
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  }

  // Requests inside tunnels: their socket remembers the CONNECT that opened it.
  const inner = http.createServer((req, res) => {
    const t = tunnelAuth.get(req.socket)
    forward(req, res, t?.host ?? req.headers.host ?? '', t?.auth)
  })

  const outer = http.createServer((req, res) =>
    forward(req, res, req.headers.host ?? '', req.headers['proxy-authorization'])
  )
  outer.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    tunnelAuth.set(socket, { host: req.url ?? '', auth: req.headers['proxy-authorization'] })
    tunnels.add(socket)
    socket.on('close', () => tunnels.delete(socket))
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length > 0) socket.unshift(head)
    inner.emit('connection', socket)
  })

  await new Promise<void>(resolve => outer.listen(0, '127.0.0.1', resolve))
  const { port } = outer.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      outer.closeAllConnections()
      for (const s of tunnels) s.destroy()
      await new Promise<void>(resolve => outer.close(() => resolve()))
    }
  }
}
