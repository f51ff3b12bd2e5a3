// ECharts ships the types of its modules under types/src/, beside lib/ rather than in it.
declare module 'echarts/lib/core/echarts.js' {
  export { init } from 'echarts/types/src/core/echarts.js';
}
declare module 'echarts/lib/export/api.js' {
  export { use, setPlatformAPI } from 'echarts/types/src/export/api.js';
}
declare module 'echarts/lib/label/installLabelLayout.js' {
  export { installLabelLayout } from 'echarts/types/src/label/installLabelLayout.js';
}
declare module 'echarts/lib/chart/line/install.js' {
  export { install } from 'echarts/types/src/chart/line/install.js';
}
declare module 'echarts/lib/component/grid/installSimple.js' {
  export { install } from 'echarts/types/src/component/grid/installSimple.js';
}
declare module 'echarts/lib/component/legend/installLegendPlain.js' {
  export { install } from 'echarts/types/src/component/legend/installLegendPlain.js';
}
declare module 'echarts/lib/component/marker/installMarkLine.js' {
  export { install } from 'echarts/types/src/component/marker/installMarkLine.js';
}
declare module 'echarts/lib/component/title/install.js' {
  export { install } from 'echarts/types/src/component/title/install.js';
}
declare module 'echarts/lib/component/graphic/install.js' {
  export { install } from 'echarts/types/src/component/graphic/install.js';
}
declare module 'echarts/lib/renderer/installSVGRenderer.js' {
  export { install } from 'echarts/types/src/renderer/installSVGRenderer.js';
}
