import { checksumFor, parseChecksums } from '../../src/tools/checksums.js'
import { thrown } from '../helpers/errors.js'

const URL_ = 'https://github.com/fluxcd/flux2/releases/download/v2.9.3/flux_2.9.3_checksums.txt'
const a = 'a'.repeat(64)
const b = 'b'.repeat(64)
const c = 'c'.repeat(64)

describe('parseChecksums / checksumFor', () => {
  it('reads sha256sum text and binary lines, CRLF and blank lines', () => {
    const text = `${a}  flux_2.9.3_linux_amd64.tar.gz\r\n\r\n${b} *flux_2.9.3_darwin_arm64.tar.gz\r\n   \n${c.toUpperCase()}  flux_2.9.3_linux_arm64.tar.gz`
    const sums = parseChecksums(text, URL_)
    expect(sums.entries.size).toBe(3)
    expect(checksumFor(sums, 'flux_2.9.3_linux_amd64.tar.gz')).toBe(a)
    expect(checksumFor(sums, 'flux_2.9.3_darwin_arm64.tar.gz')).toBe(b)
    expect(checksumFor(sums, 'flux_2.9.3_linux_arm64.tar.gz')).toBe(c)
  })

  it('matches an entry listed with a directory by its file name', () => {
    const sums = parseChecksums(`${a}  ./bin/calicoctl-linux-amd64\n${b}  release-v3.31.7.tgz\n`, URL_)
    expect(checksumFor(sums, 'calicoctl-linux-amd64')).toBe(a)
  })

  it('names the checksum URL and the file when the entry is missing', () => {
    const sums = parseChecksums(`${a}  flux_2.9.3_linux_amd64.tar.gz\n`, URL_)
    const e = thrown(() => checksumFor(sums, 'flux_2.9.3_darwin_amd64.tar.gz'))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain(URL_)
    expect(e.message).toContain('flux_2.9.3_darwin_amd64.tar.gz')
  })

  it.each([
    ['a short hash', `${'a'.repeat(63)}  flux.tar.gz`],
    ['a hash without a file', a],
    ['an HTML page', '<html><body>Not Found</body></html>'],
    ['a non-hex hash', `${'g'.repeat(64)}  flux.tar.gz`]
  ])('rejects %s with the URL and line number', (_what, bad) => {
    const e = thrown(() => parseChecksums(`${a}  ok.tar.gz\n${bad}\n`, URL_))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain(URL_)
    expect(e.message).toContain('line 2')
  })

  it('rejects a file listed twice with different hashes', () => {
    const e = thrown(() => parseChecksums(`${a}  flux.tar.gz\n${b}  flux.tar.gz\n`, URL_))
    expect(e.code).toBe('integrity')
    expect(e.message).toContain('flux.tar.gz')
  })

  it('keeps credentials in the URL out of messages', () => {
    const e = thrown(() => parseChecksums('garbage', 'https://user:secret@mirror.example/SHA256SUMS'))
    expect(e.message).not.toContain('secret')
  })
})
