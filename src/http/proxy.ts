import { getProxyUrl } from '@actions/http-client/lib/proxy'
import { ProxyAgent, fetch as undiciFetch } from 'undici'
import type { Fetch } from '../deps.js'

export interface ProxyFetch {
  fetch: Fetch
  /** Closes the proxy connections kept alive, so the process can exit at once. */
  close(): Promise<void>
}

/**
 * Node's global fetch ignores `HTTPS_PROXY`, `HTTP_PROXY` and `NO_PROXY`, so behind a proxy every request of the
 * action (release lists, downloads, the GitHub API) would fail. Each URL is sent through the proxy that
 * `@actions/http-client` chooses for it: the rule every toolkit request (tool-cache, @actions/github) follows, so the
 * action reaches the same hosts the same way as the rest of the job (lower-case variable first; `NO_PROXY` entries
 * match a host, `host:port` or a domain suffix, `*` matches all; loopback addresses always go direct). Proxy
 * credentials in the variable's URL become a `Proxy-Authorization` header (undici reads them from the URL); the
 * proxy URL itself is never logged.
 */
export function proxyAwareFetch(direct: Fetch = (url, init) => fetch(url, init)): ProxyFetch {
  const agents = new Map<string, ProxyAgent>()
  const agentFor = (proxy: URL): ProxyAgent => {
    let agent = agents.get(proxy.href)
    if (!agent) {
      agent = new ProxyAgent({ uri: proxy.href })
      agents.set(proxy.href, agent)
    }
    return agent
  }
  return {
    fetch: (url, init) => {
      const proxy = getProxyUrl(new URL(url))
      if (!proxy) return direct(url, init)
      // undici's own fetch: the dispatcher must come from the same undici as the fetch that uses it, and the one
      // inside Node differs by Node version.
      return undiciFetch(url, { ...init, dispatcher: agentFor(proxy) }) as unknown as Promise<Response>
    },
    close: async () => {
      await Promise.all([...agents.values()].map(a => a.close()))
      agents.clear()
    }
  }
}
