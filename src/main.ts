// Page entry. Must stay free of TensorFlow.js: tf lives in the training worker only
// (tests/e2e/bundle.test.ts checks the built entry chunk).
import { mount } from 'svelte';
import App from './App.svelte';
import './ui/theme.css';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');

export default mount(App, { target });
