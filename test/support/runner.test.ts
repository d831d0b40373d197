import { evaluate, inputsSent, workflowStepWith, type ExpressionContexts } from '../../support/runner.js'

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

  it('expands inputs.* to empty on a schedule, and the token default to the job token', () => {
    const sent = inputsSent({
      event: { name: 'schedule' },
      token: 'ghs_x',
      inputs: { 'flux-version': '${{ inputs.flux-version }}', labels: 'deps-${{ github.event_name }}' }
    })
    expect(sent['INPUT_FLUX-VERSION']).toBe('')
    expect(sent.INPUT_LABELS).toBe('deps-schedule')
    expect(sent.INPUT_TOKEN).toBe('ghs_x')
  })

  const contexts: ExpressionContexts = {
    github: { event_name: 'workflow_dispatch', event: { inputs: { x: '' } } },
    inputs: { x: '', flag: false, n: 0 },
    secrets: {},
    vars: { URL: 'http://127.0.0.1:1' }
  }

  it.each([
    ["inputs.x || 'latest'", 'latest'],
    ["inputs.flag || 'no'", 'no'],
    ['inputs.n || inputs.x', ''],
    ['vars.URL', 'http://127.0.0.1:1'],
    ['vars.MISSING', null],
    ['github.event.inputs.missing.deeper', null],
    ["'it''s'", "it's"],
    ['true', true]
  ])('evaluates %s', (expr, value) => {
    expect(evaluate(expr, contexts)).toEqual(value)
  })

  it.each(["inputs.x == ''", "format('{0}', inputs.x)", 'steps.a.outputs.b', "inputs.x || ''||"])(
    'refuses %s rather than guessing',
    expr => {
      expect(() => evaluate(expr, contexts, 'with: x')).toThrow(/^with: x: /)
    }
  )

  it('reads the with: of a workflow step by its id, expressions as written', () => {
    const workflow = [
      'on: workflow_dispatch',
      'jobs:',
      '  up:',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - id: fcu',
      '        uses: ./',
      '        with:',
      '          dry-run: ${{ inputs.dry-run }}',
      '          draft: true'
    ].join('\n')
    expect(workflowStepWith(workflow, 'up', 'fcu')).toEqual({
      'dry-run': '${{ inputs.dry-run }}',
      draft: 'true'
    })
    expect(() => workflowStepWith(workflow, 'up', 'other')).toThrow('no step with id other')
  })
})
