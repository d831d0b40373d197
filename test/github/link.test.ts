import { describe, expect, it } from '@jest/globals'
import { nextLink } from '../../src/github/link.js'

describe('nextLink', () => {
  it('finds rel="next" among other relations and resolves it against the page', () => {
    const header = '</r?page=1>; rel="prev", </r?page=3>; rel="next", </r?page=9>; rel="last"'
    expect(nextLink(header, 'https://api.example/repos/a/b/releases?page=2')).toBe(
      'https://api.example/r?page=3'
    )
  })

  it('accepts an unquoted relation and a URL with commas', () => {
    expect(nextLink('<https://api.example/r?a=1,2&page=2>; rel=next', 'https://api.example/')).toBe(
      'https://api.example/r?a=1,2&page=2'
    )
  })

  it('is undefined on the last page', () => {
    expect(
      nextLink(
        '<https://api.example/r?page=1>; rel="first", <https://api.example/r?page=1>; rel="prev"',
        'https://api.example/'
      )
    ).toBeUndefined()
    expect(nextLink(null, 'https://api.example/')).toBeUndefined()
  })
})
