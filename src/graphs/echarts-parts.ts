import { init } from 'echarts/lib/core/echarts.js';
import { setPlatformAPI, use } from 'echarts/lib/export/api.js';
import { install as LineChart } from 'echarts/lib/chart/line/install.js';
import { install as GraphicComponent } from 'echarts/lib/component/graphic/install.js';
import { install as GridComponent } from 'echarts/lib/component/grid/installSimple.js';
import { install as LegendComponent } from 'echarts/lib/component/legend/installLegendPlain.js';
import { install as MarkLineComponent } from 'echarts/lib/component/marker/installMarkLine.js';
import { install as TitleComponent } from 'echarts/lib/component/title/install.js';
import { installLabelLayout } from 'echarts/lib/label/installLabelLayout.js';
import { install as SVGRenderer } from 'echarts/lib/renderer/installSVGRenderer.js';

/**
 * The parts of ECharts amcord draws with, each imported from its own module. `echarts/charts`,
 * `echarts/components` and `echarts/renderers` name a part but evaluate every chart, component and
 * renderer ECharts has, since Node does not tree-shake: measured on the drawing thread, loading
 * those took 10 MB more than these parts (bench/charts.ts shows the stack's whole cost). The grid
 * is the simple one (no axis pointer, which only follows a mouse), the legend the plain one (no
 * scrolling); the label layout is what `echarts/core` installs by default.
 */

// At equal z, ECharts draws parts in the order they were registered: in this order the pictures'
// SVG is byte for byte what ECharts' own entry points gave.
use([installLabelLayout, LineChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, SVGRenderer, GraphicComponent]);

export { init, setPlatformAPI };
