import type { Theme } from "vitepress";
import DefaultTheme from "vitepress/theme";
import RunExample from "./RunExample.vue";
import "./style.css";

const theme: Theme = {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component("RunExample", RunExample);
  },
};

export default theme;
