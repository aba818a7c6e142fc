import { render } from 'preact';
import { AppModel } from './state/app-model';
import { Router } from './state/router';
import { App } from './views/App';

/**
 * The live supervision page. The API is found relative to the page (document.baseURI),
 * so the app can sit behind a reverse proxy on any sub-path.
 */
const model = new AppModel(new URL('./', document.baseURI));
const router = new Router();
const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App model={model} router={router} />, root);
  model.resume();
}
