import { evaluateWith, inputsSent } from '../../support/runner.js'

/**
 * The runner harness evaluates a step's `with:` as a runner does before the step starts: the end-to-end suite's
 * workflow_dispatch runs depend on it being faithful (inputs reach an action only through `with:`).
 */
const dispatch = {
  name: 'workflow_dispatch' as const,
  inputs: { 'flux-version': '2.8.3', 'dry-run': 'true' }
}

describe('the runner harness evaluating a step', () => {
  it('passes dispatch inputs only through with: — a payload input the step does not name stays at its default', () => {
    const alone = inputsSent({ event: dispatch })
    expect(alone['INPUT_FLUX-VERSION']).toBe('latest')
    expect(alone['INPUT_DRY-RUN']).toBe('false')
    const wired = inputsSent({
      event: dispatch,
      inputs: {
        'flux-version': '${{ inputs.flux-version }}',
        'dry-run': '${{ github.event.inputs.dry-run }}'
      }
    })
    expect(wired['INPUT_FLUX-VERSION']).toBe('2.8.3')
    expect(wired['INPUT_DRY-RUN']).toBe('true')
  })

  it('expands inputs.* to empty on a schedule, vars.*, and the token default to the job token', () => {
    const sent = inputsSent({
      event: { name: 'schedule' },
      token: 'ghs_x',
      vars: { MIRROR: 'http://127.0.0.1:1' },
      inputs: {
        'flux-version': '${{ inputs.flux-version }}',
        'calico-version': "${{ inputs.calico-version || 'latest' }}",
        'download-url': '${{ vars.MIRROR }}',
        labels: 'deps-${{ github.event_name }}'
      }
    })
    expect(sent).toMatchObject({
      'INPUT_FLUX-VERSION': '',
      'INPUT_CALICO-VERSION': 'latest',
      'INPUT_DOWNLOAD-URL': 'http://127.0.0.1:1',
      INPUT_LABELS: 'deps-schedule',
      INPUT_TOKEN: 'ghs_x'
    })
  })

  it('reads github.event as the payload the run receives', () => {
    expect(
      evaluateWith({ a: '${{ github.event.schedule }}' }, { github: { event: { schedule: '17 6 * * 1' } } })
    ).toEqual({
      a: '17 6 * * 1'
    })
  })

  it('refuses a context the runner would not give the step', () => {
    expect(() => inputsSent({ inputs: { labels: '${{ steps.a.outputs.b }}' } })).toThrow()
  })
})
