/**
 * amcord's layering, checked by `npm run check`. Each folder of src/ sits on one layer and may
 * import only from its own layer and the layers below it; README.md ("Layers") draws the same.
 */
const LAYERS = [
  ['util'],
  ['log', 'http-client', 'severity'],
  ['alertmanager', 'prometheus', 'discord'],
  ['config', 'metrics', 'graphs'],
  ['engine'],
  ['routing', 'render'],
  ['delivery', 'watchdog', 'cluster', 'incidents'],
  ['store'],
  ['http', 'bot'],
  ['app'],
];

const folders = (names) => `^src/(${names.join('|')})/`;

const upward = LAYERS.slice(0, -1).map((names, index) => ({
  name: `layer-${names.join('-')}`,
  comment: `${names.join(', ')} may not import from a layer above it (${LAYERS.slice(index + 1).flat().join(', ')})`,
  severity: 'error',
  from: { path: folders(names), pathNot: '\\.test\\.ts$' },
  to: { path: [folders(LAYERS.slice(index + 1).flat()), '^src/(main|cli)\\.ts$'] },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle hides which module owns what.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    ...upward,
    {
      name: 'store-only-from-app',
      comment: 'Storage is chosen and wired in src/app; other layers use the ports they declare.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/(store|app)/', '\\.test\\.ts$'] },
      to: { path: '^src/store/' },
    },
    {
      name: 'discord-js-only-in-the-bot',
      comment: 'discord.js adds some 35 MB; only the lazily loaded bot may load it.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/bot/', '^src/delivery/bot-channel-destination\\.ts$', '\\.test\\.ts$'] },
      to: { path: 'node_modules/(discord\\.js|@discordjs)/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'main-and-cli-on-top',
      comment: 'Nothing imports the entry points.',
      severity: 'error',
      from: { path: '^src/', pathNot: ['^src/cli\\.ts$', '\\.test\\.ts$'] },
      to: { path: '^src/(main|cli)\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|bench/results)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js'] },
  },
};
