// ECharts' prebuilt ES module has its types in types/dist/, not beside it.
declare module 'echarts/dist/echarts.esm.min.mjs' {
  export { init, setPlatformAPI } from 'echarts/types/dist/echarts';
}
