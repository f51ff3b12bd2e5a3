/**
 * ECharts as it ships prebuilt in one ES module (`echarts/dist/echarts.esm.min.mjs`), not as the
 * 200-odd modules of `echarts/core` and its parts: Node's module loader pays for every module,
 * and V8 compiles a function of the bundle only when it is first called. Measured on the drawing
 * thread: loading the line chart, grid, legend, title, mark-line, graphic and SVG renderer parts
 * one by one took 280–290 ms and 24 MB; the whole bundle takes 80–85 ms and 15 MB. That is most
 * of what the first picture after a quiet minute waits for. The pictures' SVG is byte for byte
 * the same.
 */
export { init, setPlatformAPI } from 'echarts/dist/echarts.esm.min.mjs';
