import './base.css';
import './models.css';
import './export.css';
