import './base.css';
import './models.css';
import './export.css';
import './monitoring.css';
import './promotions.css';
